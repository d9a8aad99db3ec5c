"""Content Security Policy: strict on the learner site, as strict as Wagtail's
admin allows there.

The admin renders inline scripts of its own (date pickers, inline panels) and
inline styles, so it needs 'unsafe-inline'; everything else stays 'self', no
plugins, no framing by other sites.
"""

from csp.middleware import CSPMiddleware, PolicyParts

ADMIN_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "frame-src": ["'self'"],
    "media-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'self'"],
    "worker-src": ["'self'", "blob:"],
}


class SitePolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if (
            not report_only
            and parts.config is None
            and request.path.startswith("/admin/")
        ):
            parts.config = ADMIN_DIRECTIVES
        return parts
