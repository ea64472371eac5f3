"""The catalog pipeline run on one machine, exactly as Jenkins runs it, and the newcomer's demo."""
