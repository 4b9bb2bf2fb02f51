"""Staff of the web app: accounts, sessions, roles, the audit log and canned replies."""
