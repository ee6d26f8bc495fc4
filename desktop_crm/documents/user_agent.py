"""The user-agent style sheet documents are rendered with: weasyprint's own, without what a
printed quote or invoice never uses.

weasyprint matches every element of a document against every rule of its HTML5 user-agent sheet.
Most of its cost is in rules no tag name indexes — ``[hidden]``, ``[dir=rtl i] …``,
``table:is([rules], [frame]) …``, ``:link``, ``::marker``, the form fields — which are tried on
each element: about an eighth of a render (1 and 3 pages alike). This sheet keeps weasyprint's
values for the elements a document (ours or a user's template) may use — blocks, headings, lists,
tables, inline formatting, images, page margin boxes — and leaves out forms, ``dir`` attributes,
``hidden`` and HTML 4 table attributes. The counter styles (list numbering) are not in it:
weasyprint adds them separately. Tests render every template and a page of common HTML with
both sheets and compare the pixels.
"""

from __future__ import annotations

LEAN_USER_AGENT_CSS = r"""
head, link, meta, script, style, template, title { display: none }
address, article, aside, blockquote, body, center, dd, div, dl, dt, figcaption, figure, footer,
h1, h2, h3, h4, h5, h6, header, hr, html, main, nav, ol, p, pre, section, ul { display: block }
li { display: list-item }
table { display: table }
caption { display: table-caption }
colgroup { display: table-column-group }
col { display: table-column }
thead { display: table-header-group }
tbody { display: table-row-group }
tfoot { display: table-footer-group }
tr { display: table-row }
td, th { display: table-cell }

blockquote, dl, figure, ol, p, pre, ul { margin-top: 1em; margin-bottom: 1em }
ol ol, ol ul, ul ol, ul ul, dl dl { margin-top: 0; margin-bottom: 0 }
body { margin: 8px }
h1 { margin-top: .67em; margin-bottom: .67em }
h2 { margin-top: .83em; margin-bottom: .83em }
h3 { margin-top: 1em; margin-bottom: 1em }
h4 { margin-top: 1.33em; margin-bottom: 1.33em }
h5 { margin-top: 1.67em; margin-bottom: 1.67em }
h6 { margin-top: 2.33em; margin-bottom: 2.33em }
blockquote, figure { margin-left: 40px; margin-right: 40px }
dd { margin-left: 40px }
ol, ul { padding-left: 40px }
table { border-spacing: 2px; border-collapse: separate }
td, th { padding: 1px }

thead, tbody, tfoot, table > tr { vertical-align: middle }
tr, td, th { vertical-align: inherit }
sub { vertical-align: sub }
sup { vertical-align: super }

html { color-scheme: light }
address, cite, dfn, em, i, var { font-style: italic }
b, strong, th { font-weight: bold }
code, kbd, pre, samp, tt { font-family: monospace }
h1 { font-size: 2em; font-weight: bold }
h2 { font-size: 1.5em; font-weight: bold }
h3 { font-size: 1.17em; font-weight: bold }
h4 { font-size: 1em; font-weight: bold }
h5 { font-size: .83em; font-weight: bold }
h6 { font-size: .67em; font-weight: bold }
big { font-size: larger }
small, sub, sup { font-size: smaller }
sub, sup { line-height: normal }
a[href] { color: blue; text-decoration: underline }
mark { background: yellow; color: black }
table, td, th { border-color: gray }
thead, tbody, tfoot, tr { border-color: inherit }

ins, u { text-decoration: underline }
abbr[title], acronym[title] { text-decoration: dotted underline }
del, s, strike { text-decoration: line-through }
q::before { content: open-quote }
q::after { content: close-quote }
br::before { content: "\A"; white-space: pre-line }
wbr::before { content: "\200B" }
nobr { white-space: nowrap }
hr { border-style: inset; border-width: 1px; color: gray; margin: .5em auto }
pre { white-space: pre }
ol { list-style-type: decimal }
ul { list-style-type: disc }
ol ul, ul ul { list-style-type: circle }
ol ol ul, ol ul ul, ul ol ul, ul ul ul { list-style-type: square }
li::marker { font-variant-numeric: tabular-nums; white-space: pre; text-transform: none }
table { text-indent: initial }
center { text-align: center }
img, svg { overflow: hidden }
table { box-sizing: border-box }

ol, ul { counter-reset: list-item }
h1 { bookmark-level: 1 }
h2 { bookmark-level: 2 }
h3 { bookmark-level: 3 }
h4 { bookmark-level: 4 }
h5 { bookmark-level: 5 }
h6 { bookmark-level: 6 }
h1, h2, h3, h4, h5, h6 { bookmark-label: content(text) }
h1, h2, h3, h4, h5, h6 { hyphens: manual; break-after: avoid; break-inside: avoid }
ol, ul { break-before: avoid }

@page {
  margin: 75px;
  @top-left-corner     { text-align: right;  vertical-align: middle }
  @top-left            { text-align: left;   vertical-align: middle }
  @top-center          { text-align: center; vertical-align: middle }
  @top-right           { text-align: right;  vertical-align: middle }
  @top-right-corner    { text-align: left;   vertical-align: middle }
  @left-top            { text-align: center; vertical-align: top    }
  @left-middle         { text-align: center; vertical-align: middle }
  @left-bottom         { text-align: center; vertical-align: bottom }
  @right-top           { text-align: center; vertical-align: top    }
  @right-middle        { text-align: center; vertical-align: middle }
  @right-bottom        { text-align: center; vertical-align: bottom }
  @bottom-left-corner  { text-align: right;  vertical-align: middle }
  @bottom-left         { text-align: left;   vertical-align: middle }
  @bottom-center       { text-align: center; vertical-align: middle }
  @bottom-right        { text-align: right;  vertical-align: middle }
  @bottom-right-corner { text-align: left;   vertical-align: middle }
}
"""
