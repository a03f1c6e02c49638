"""The screens, one module each: ``title`` (the campaign, and who is playing), ``briefing``,
``play`` (the dashboard and the shell; its status line in ``status``, its long-running lines in
``stream``, `mmquest replay` in ``replay``), ``debrief`` and ``quit``.  Import a screen from its
module."""
