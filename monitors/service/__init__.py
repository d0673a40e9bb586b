"""The running service: settings, one cycle, the daemon, pacing, health, status."""
