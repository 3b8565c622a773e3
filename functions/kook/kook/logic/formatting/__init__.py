"""Message formatting: KOOK's KMarkdown parsed once into a `Document`, rendered and split for each target.

`kmarkdown.parse` reads KMarkdown (and plain text) into a flat list of styled `Run`s grouped in `Block`s;
`render` turns a document into Discord markdown, Telegram HTML or a Feishu post, with each platform's escaping;
`split` cuts a document that is too long for a platform at paragraph, then sentence, then word boundaries.
Pure logic: no I/O, no AWS.
"""
