from everyst_agent.cli import main

raise SystemExit(main())
