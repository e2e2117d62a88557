"""`mediarec eval`: retrieval, "more like this", speech-to-text, recommendation and fusion measured on a labelled
manifest (see manifest.py for its format), reported as Markdown with plots and as JSON."""
