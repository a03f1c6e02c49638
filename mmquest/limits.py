"""Limits shared by the shell and the screens, in a module of their own: the play screen's prompt
needs them for its first frame, and importing ``mmquest.shell`` loads the whole model (numpy)."""

MAX_LINE = 4096  # characters in one shell line: the prompt refuses a longer paste, the shell a longer line
