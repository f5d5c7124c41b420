"""How a page carries out what the user asked: a success and a conflict send the user on
with a message; a refusal goes in the form, or in a message where there is no form."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory

from workflows.decisions import carry_out, refusal_text

DONE = "/requests/7/"


class Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Conflict(Refused):
    pass


class NoteForm(forms.Form):
    note = forms.CharField(required=False)


@pytest.fixture
def request_():
    request = RequestFactory().post("/")
    request._messages = CookieStorage(request)
    return request


def said(request) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in request._messages]


def raising(exc: Exception):
    def action():
        raise exc

    return action


def decide(request, action, **options):
    options = {"refusals": Refused, "conflicts": Conflict, "success": "Recorded.", "done": DONE, **options}
    return carry_out(request, action, **options)


def test_success_sends_the_user_on_with_the_message(request_):
    response = decide(request_, lambda: 41)
    assert (response.status_code, response["Location"]) == (302, DONE)
    assert said(request_) == [(messages.SUCCESS, "Recorded.")]


def test_the_message_may_come_from_what_the_action_returns(request_):
    decide(request_, lambda: 41, success=lambda n: f"Number {n}.")
    assert said(request_) == [(messages.SUCCESS, "Number 41.")]


def test_a_conflict_sends_the_user_back_with_a_warning_and_leaves_the_form_alone(request_):
    form = NoteForm({"note": ""})
    assert form.is_valid()
    response = decide(request_, raising(Conflict("Someone was first.")), form=form)
    assert response["Location"] == DONE
    assert said(request_) == [(messages.WARNING, "Someone was first.")]
    assert not form.errors


def test_a_refusal_goes_in_the_form_and_the_page_is_shown_again(request_):
    form = NoteForm({"note": "x"})
    assert form.is_valid()
    response = decide(request_, raising(Refused("Not allowed.")), form=form, field="note")
    assert response is None
    assert form.errors == {"note": ["Not allowed."]}
    assert said(request_) == []


def test_without_conflicts_listed_a_conflict_is_a_refusal_like_any_other(request_):
    form = NoteForm({})
    assert form.is_valid()
    response = decide(request_, raising(Conflict("Someone was first.")), conflicts=(), form=form)
    assert response is None
    assert form.non_field_errors() == ["Someone was first."]


def test_without_a_form_a_refusal_is_an_error_on_the_page_the_user_goes_to(request_):
    response = decide(request_, raising(Refused("Not allowed.")))
    assert response["Location"] == DONE
    assert said(request_) == [(messages.ERROR, "Not allowed.")]


def test_anything_else_is_not_caught(request_):
    with pytest.raises(KeyError):
        decide(request_, raising(KeyError("x")))


def test_the_words_of_a_refusal_are_its_message_or_else_its_text():
    assert refusal_text(Refused("Not allowed.")) == "Not allowed."
    assert refusal_text(ValueError("plain")) == "plain"
