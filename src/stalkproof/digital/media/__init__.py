"""Location and identity metadata in photos, videos and documents: scan it, and strip it without re-encoding."""
