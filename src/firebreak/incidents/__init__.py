"""Incidents: intake, the pipeline (dedup → group → open/attach → runbook → roles → escalation),
the lifecycle transition table, actions, and durable escalation.

Public API (see each module's docstring):

- ``intake.record_alert(uow, alert, now) -> int``: append one alert to the inbox.
- ``pipeline.process_pending(uow, workspace, now, limit=500) -> ProcessResult``.
- ``escalation.run_due(store, workspace, now, worker_id, channels) -> int``.
- ``loop.Loop``: one tick (pipeline, detection, escalation) for serve, worker, drills and tests.
- ``actions``: ``acknowledge``, ``mitigate``, ``resolve``, ``reassign_role``, ``add_note``,
  ``mark_step``, ``handoff``, ``set_fault_start``.
- ``lifecycle.TRANSITIONS``: the one transition table.
- ``detector.to_alert(detector_alert) -> AlertIn``.
"""
