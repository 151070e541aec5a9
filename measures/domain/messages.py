"""Messages for people that the web layer can still translate.

The domain knows no request and no language, so it words its messages in German. A
message built from parts (a field's name, a number, a typed value) cannot be looked up in
a catalogue once the parts are filled in; ``Message`` keeps what can be: the German
template, marked with ``N_`` for extraction, and its parameters. It is a ``str`` (the
filled-in German text), so everything that shows, compares or logs a message keeps
working; the web layer translates it with ``app.i18n.translate`` when it answers.
"""

from __future__ import annotations

from typing import Any


class Message(str):
    """The German text ``template % params``, which remembers both.

    ``template`` uses named placeholders (``%(maximum)s``) so that a translation may put
    them in another order. A parameter that is itself a ``Message`` (a field's name) is
    translated with the message; a tuple of messages is put in as sentences, one after
    the other; any other parameter (a number, what a person typed) is put in as it is.
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Message:
        text = template % {k: _german(v) for k, v in params.items()} if params else template
        message = super().__new__(cls, text)
        message.template = template
        message.params = params
        return message

    def __reduce__(self):  # kept whole when pickled (a cache, a worker's queue)
        return (_rebuild, (self.template, self.params))


class Count(int):
    """A number of things in a message, its thousands grouped as the reader's language
    groups them: 20.001 in German, 20,001 in English (``app.i18n.translate``)."""


def as_message(text: str) -> Message:
    """``text`` as a ``Message``: a plain text marked with ``N_`` becomes one without
    parameters, so that it is translated where it is put into another message."""
    return text if isinstance(text, Message) else Message(text)


def _rebuild(template: str, params: dict[str, Any]) -> Message:
    return Message(template, **params)


def _german(value: Any) -> Any:
    if isinstance(value, Count):
        return f"{value:,}".replace(",", ".")
    return " ".join(value) if isinstance(value, tuple) else value
