"""The screens, one module each: ``title`` (the campaign, and who is playing), ``briefing``,
``play`` (the dashboard and the shell), ``debrief`` and ``quit``.  The play screen's status
line is in ``status``, its long-running lines in ``stream``, its kept first frame in
``kept_frame`` and `mmquest replay` in ``replay``.  Import a screen from its module."""
