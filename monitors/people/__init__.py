"""People of a team: accounts, the watchlists each follows with their own address for alerts,
their triage of what the reader shows them, and the signed one-click links of their alerts."""
