from everyst_hub.cli import main

main()
