"""veille's monitoring side: watch rules, matching, alerts, the daemon and the CLI."""
