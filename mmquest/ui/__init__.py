"""The Textual UI: screens and panes.  Reads snapshots; computes no physics."""
