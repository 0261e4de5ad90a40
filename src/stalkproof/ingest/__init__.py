"""Parsers for the exports people actually have. Each source is one module behind `base.Source`; this
package knows which sources exist and which one an input looks like."""
