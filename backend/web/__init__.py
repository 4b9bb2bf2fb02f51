"""The staff web app at /dashboard: call center, monitoring, rapor, administration."""
