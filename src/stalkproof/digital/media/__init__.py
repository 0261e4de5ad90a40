"""Location and identity metadata in photos, videos and documents: scan it, strip it without re-encoding."""
