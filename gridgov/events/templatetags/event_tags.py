"""Template helpers for event pages: `{% load event_tags %}`."""

from django import template
from django.utils.html import format_html

from ..sla import LABELS, sla_colour

register = template.Library()


@register.simple_tag
def sla_badge(event):
    """A coloured badge: 正常 / 预警 / 超期 / 无时限."""
    colour = sla_colour(event)
    return format_html('<span class="sla sla-{}">{}</span>', colour, LABELS[colour])


@register.filter
def sla(event) -> str:
    return sla_colour(event)
