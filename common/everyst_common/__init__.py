"""What the agent and the hub both need to know the same way: port lists and nmap's top ports
(`ports`), and MAC addresses (`mac`). Installed with either; imports neither."""
