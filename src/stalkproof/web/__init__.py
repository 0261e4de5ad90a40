"""The local web app: the CLI's services behind calm, accessible pages on 127.0.0.1."""
