"""People, teams, services, schedules and escalation policies, and who is on call when."""
