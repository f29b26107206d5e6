"""Deployment: the agent package and install script the hub serves, and `everyst-hub check`."""
