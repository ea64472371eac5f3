"""Descriptions: Markdown renders, inline HTML of real metadata works, hostile input is inert."""

from __future__ import annotations

import re

import pytest

from deepoc.site.markdown import clean_html, description_html, render_markdown
from deepoc.site.modules import listed_module


def _html(source: str, remote_images: bool = True) -> str:
    return description_html(source, remote_images)[0]


def test_render_markdown_is_github_flavoured():
    html = render_markdown("*em* **strong** ~~gone~~\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                           "see https://example.org/x")
    assert "<em>em</em>" in html and "<strong>strong</strong>" in html and "<del>" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert '<a href="https://example.org/x">' in html  # autolink extension
    assert render_markdown("<b>raw</b>") == "<p><b>raw</b></p>\n"  # raw HTML reaches clean_html


def test_clean_html_keeps_formatting_and_drops_the_rest():
    assert clean_html("<p><b>b</b> <i>i</i> <code>c</code></p>") == \
        "<p><b>b</b> <i>i</i> <code>c</code></p>"
    assert clean_html("<div><span>text</span></div>") == "text"
    assert clean_html('<p style="color:red" class="x" id="y">t</p>') == "<p>t</p>"


def test_emphasis_lists_links_code_quotes_and_tables_render():
    html = _html("Some *emphasis* and **bold**.\n\n- one\n- two\n\n1. first\n\n"
                 "[a link](https://example.org/a)\n\n`inline` code\n\n```\nblock\n```\n\n"
                 "> quoted\n\n| h |\n|---|\n| c |")
    for part in ("<em>emphasis</em>", "<strong>bold</strong>", "<ul>\n<li>one</li>",
                 "<ol>\n<li>first</li>", '<a href="https://example.org/a" '
                 'rel="nofollow noopener">a link</a>', "<code>inline</code>",
                 "<pre><code>block\n</code></pre>", "<blockquote>\n<p>quoted</p>",
                 "<th>h</th>", "<td>c</td>"):
        assert part in html, part


def test_headings_sit_below_the_page_headings():
    html = _html("# One\n\n## Two\n\n### Three\n\n###### Six")
    assert re.findall(r"<(h\d)>", html) == ["h3", "h4", "h5", "h6"]


def test_unquoted_inline_links_and_bare_urls_become_links():
    """As real DEEP descriptions write them."""
    html = _html("Code <a href=https://github.com/deephdc/x>here</a>, paper at "
                 "https://arxiv.org/abs/1512.03385.")
    assert '<a href="https://github.com/deephdc/x" rel="nofollow noopener">here</a>' in html
    assert '<a href="https://arxiv.org/abs/1512.03385" rel="nofollow noopener">' \
        'https://arxiv.org/abs/1512.03385</a>.' in html
    assert "&lt;a" not in html
    assert '<a href="mailto:me@example.org" rel="nofollow noopener">' in _html(
        "[mail](mailto:me@example.org)")


def test_https_pictures_show_lazily_without_referrer():
    html = _html("<img src='https://raw.githubusercontent.com/ai4os/x/main/fig.png'/>")
    img = re.search(r"<img[^>]*>", html).group(0)
    assert 'src="https://raw.githubusercontent.com/ai4os/x/main/fig.png"' in img
    assert 'loading="lazy"' in img and 'referrerpolicy="no-referrer"' in img
    assert "![x](https://example.org/a.png)" not in _html("![x](https://example.org/a.png)")
    assert "<img" in _html("![x](https://example.org/a.png)")


@pytest.mark.parametrize("source", [
    "<img src='http://example.org/a.png'>",
    "![x](http://example.org/a.png)",
    "<img src='data:image/png;base64,iVBORw0KGgo='>",
    "<img src='DATA:image/svg+xml,<svg onload=alert(1)>'>",
    "<img src='/local.png'>",
    "<img src='javascript:alert(1)'>",
])
def test_pictures_that_are_not_https_do_not_show(source: str):
    assert "<img" not in _html(source)


def test_without_remote_images_pictures_become_links():
    html = _html("<img src='https://example.org/fig.png' alt='A figure'>", remote_images=False)
    assert "<img" not in html
    assert '<a href="https://example.org/fig.png" rel="nofollow noopener">A figure</a>' in html


HOSTILE = [
    "<script>window.__pwned=1</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<style>body{display:none}</style>",
    "<p onclick=\"window.__pwned=2\" onmouseover=window.__pwned=2>hover</p>",
    "<img src=https://example.org/x.png onerror=window.__pwned=3>",
    "<span style=\"position:fixed;top:0\">styled</span>",
    "<iframe src=https://evil.example/></iframe>",
    "<form action=https://evil.example/><input name=q><button>go</button></form>",
    "<object data=https://evil.example/x></object><embed src=https://evil.example/y>",
    "<svg><script>window.__pwned=4</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=5>",
    "[x](javascript:window.__pwned=6)",
    "[x](JaVaScRiPt:window.__pwned=7)",
    "<a href='jav&#x09;ascript:window.__pwned=8'>tab</a>",
    "<a href='&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:window.__pwned=9'>e</a>",
    "<a href=' javascript:window.__pwned=10'>space</a>",
    "<a href='java\nscript:window.__pwned=11'>newline</a>",
    "<a href='data:text/html,<script>window.__pwned=12</script>'>data</a>",
    "<a href='vbscript:msgbox(1)'>vb</a>",
    "<a href='VBScript:msgbox(1)'>vb2</a>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<meta http-equiv=refresh content='0;url=https://evil.example/'>",
    "<base href=https://evil.example/>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<!-- <script>window.__pwned=13</script> -->",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markup_is_inert(source: str):
    html = _html(source)
    tags = re.findall(r"<([a-z0-9]+)([^>]*)>", html)
    for name, attrs in tags:
        assert name in {"p", "a", "img", "table", "tbody", "tr", "td"}, (name, html)
        assert not re.search(r"\s(on\w+|style|action|srcdoc)=", attrs), html
        for url in re.findall(r'(?:href|src)="([^"]*)"', attrs):
            assert re.match(r"(https://|http://|mailto:)", url), html
        if name == "img":
            assert re.search(r'src="https://', attrs), html
    assert not re.search(r"<(script|style|iframe|form|input|object|embed|svg|math|meta|base|"
                         r"link)\b", html), html


def test_a_v1_description_of_wrapped_lines_is_one_paragraph():
    entry = {"name": "m", "branches": {"master": {"commit": "1" * 40, "metadata": {
        "title": "M", "description": ["This model was trained", "on many images and",
                                      "works well.", "", "A second paragraph."]}}}}
    html = listed_module(entry, []).description
    assert html == ("<p>This model was trained\non many images and\nworks well.</p>\n"
                    "<p>A second paragraph.</p>\n")


def test_description_text_is_what_search_indexes():
    html, text = description_html("A **bold** [link](https://example.org/) &amp; more")
    assert text == "A bold link & more"


@pytest.mark.parametrize("source", [
    "<img class='fit', src='https://raw.githubusercontent.com/ai4os/x/main/fig.png'/>",
    '<img class="fit",src="https://raw.githubusercontent.com/ai4os/x/main/fig.png">',
    "Text.\n\n<img class='fit' , src='https://raw.githubusercontent.com/ai4os/x/main/fig.png' />",
])
def test_a_stray_comma_between_attributes_is_read_as_a_browser_reads_it(source):
    html = _html(source)
    img = re.search(r"<img[^>]*>", html)
    assert img, html
    assert 'src="https://raw.githubusercontent.com/ai4os/x/main/fig.png"' in img.group(0)
    assert "&lt;img" not in html
    assert 'alt=""' in img.group(0)  # no text given: marked decorative for screen readers


def test_commas_in_text_and_in_attribute_values_are_left_alone():
    html = _html("a, b, <i>c</i>, d\n\n<a href='https://example.org/a,b' title='x, y'>l</a>")
    assert "a, b, <i>c</i>, d" in html
    assert 'href="https://example.org/a,b"' in html and 'title="x, y"' in html
