"""The desk's admin forms: annotate, assign, adjudicate, send back. Widgets carry their own
attributes (ids, rows, placeholders, data attributes for the scripts), so templates render
fields as they are and never repeat a field's settings."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms

from articles.models import LABELS_NEEDING_RATIONALE, Assignment, Label, rationale_rule_text
from articles.selectors.queues import annotators_with_load


class VerdictRadioSelect(forms.RadioSelect):
    """Verdict buttons: each option carries its hotkey (1, 2, 3…) and whether that verdict needs
    a rationale, as data attributes the annotate and adjudicate scripts read."""

    def create_option(
        self,
        name: str,
        value: Any,
        label: Any,
        selected: Any,
        index: int,
        subindex: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["hotkey"] = str(index + 1)
        option["attrs"]["data-hotkey"] = option["hotkey"]
        option["attrs"]["data-needs-rationale"] = (
            "true" if value in LABELS_NEEDING_RATIONALE else "false"
        )
        return option


class OptionalRangeInput(forms.NumberInput):
    """A slider for an optional number. A range input always has a position, so while the value
    is empty the slider is rendered without its `name` (kept in `data-name`): an untouched
    slider submits nothing and no value is recorded. annotate.js names it on first use."""

    input_type = "range"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        if value in (None, ""):
            widget["attrs"]["data-name"] = name
            widget["attrs"]["data-unset"] = "true"
            widget["name"] = ""
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name) or None


class AnnotateForm(forms.Form):
    label = forms.ChoiceField(choices=Label.choices, widget=VerdictRadioSelect)
    confidence = forms.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        help_text="Leave it untouched to record no confidence.",
        widget=OptionalRangeInput(attrs={"step": 5, "id": "fc-confidence"}),
    )
    rationale = forms.CharField(
        required=False,
        help_text=f"Required for {rationale_rule_text()}.",
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "id": "fc-rationale",
                "placeholder": "What did you check? What contradicts or supports the claim?",
            }
        ),
    )
    evidence_links = forms.CharField(
        required=False,
        help_text="One URL per line.",
        widget=forms.Textarea(
            attrs={"rows": 3, "id": "fc-evidence", "placeholder": "https://… (one per line)"}
        ),
    )

    def __init__(self, *args: Any, locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if locked:
            for field in self.fields.values():
                field.disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("label") in LABELS_NEEDING_RATIONALE and not data.get("rationale", "").strip():
            self.add_error(
                "rationale", f"Explain your verdict: required for {rationale_rule_text()}."
            )
        return data

    def links(self) -> list[str]:
        raw: str = self.cleaned_data.get("evidence_links") or ""
        return [line.strip() for line in raw.splitlines() if line.strip()]


def annotator_choice_label(obj: Any) -> str:
    """An annotator as the assignment forms list them: name, open assignments, ratings done
    (rows from `annotators_with_load`, least loaded first)."""
    name = obj.get_full_name() or obj.username
    return f"{name} — {getattr(obj, 'open_load', 0)} open, {getattr(obj, 'done', 0)} done"


class AnnotatorField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """One annotator, labelled with their load."""

    def label_from_instance(self, obj: Any) -> str:
        return annotator_choice_label(obj)


class AssignToForm(forms.Form):
    annotator = AnnotatorField(queryset=annotators_with_load().none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["annotator"]
        assert isinstance(field, AnnotatorField)  # noqa: S101 - narrows the type
        field.queryset = annotators_with_load()


class AssignmentForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Assignment
        fields = ("claim", "annotator")
        field_classes: ClassVar[dict[str, type[forms.Field]]] = {"annotator": AnnotatorField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("annotator")
        if isinstance(field, AnnotatorField):
            field.queryset = annotators_with_load()


class AnnotatorsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Several annotators, least loaded first, labelled like `AnnotatorField`."""

    def label_from_instance(self, obj: Any) -> str:
        return annotator_choice_label(obj)


class StaffClaimForm(forms.Form):
    """Right after a claim is created: how many annotators it needs, and who (by load when
    nobody is picked)."""

    required_annotations = forms.IntegerField(min_value=1, max_value=50, label="Annotators")
    annotators = AnnotatorsField(
        queryset=annotators_with_load().none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Pick annotators, or leave all unticked to assign by load.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["annotators"]
        assert isinstance(field, AnnotatorsField)  # noqa: S101 - narrows the type
        field.queryset = annotators_with_load()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        picked = data.get("annotators") or []
        required = data.get("required_annotations")
        if required is not None and len(picked) > required:
            self.add_error(
                "annotators", f"Pick at most {required} (the number of annotators it needs)."
            )
        return data


class RequiredAnnotationsForm(forms.Form):
    required_annotations = forms.IntegerField(min_value=1, max_value=50, label="Annotators")


class KnownAnswerForm(forms.Form):
    label = forms.ChoiceField(
        choices=Label.choices,
        label="Known answer",
        help_text="Gold claims stay in annotators' queues like any other claim; their known "
        "answer anchors the reliability estimates and the calibration of the confidence.",
    )


class AdjudicateForm(forms.Form):
    label = forms.ChoiceField(choices=Label.choices, widget=VerdictRadioSelect)
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3, "id": "fc-reason"})
    )


class SendBackForm(forms.Form):
    extra_annotations = forms.IntegerField(min_value=1, max_value=10, initial=1)


class SpanForm(forms.Form):
    """The article reader's span tool: the selected passage (offsets and text, filled in by
    span.js) and either a new claim's wording and claimant or the claim to attach it to."""

    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput(attrs={"id": "fc-start"}))
    end = forms.IntegerField(min_value=0, widget=forms.HiddenInput(attrs={"id": "fc-end"}))
    quote = forms.CharField(strip=False, widget=forms.HiddenInput(attrs={"id": "fc-quote-input"}))
    mode = forms.ChoiceField(
        choices=[("new", "New claim"), ("attach", "Attach to a claim")],
        initial="new",
        widget=forms.HiddenInput(attrs={"id": "fc-mode"}),
    )
    text = forms.CharField(
        required=False,
        label="Claim, in normalised wording",
        help_text="Starts as the selected text; edit it into one checkable statement.",
        widget=forms.Textarea(attrs={"rows": 3, "id": "fc-claim-text"}),
    )
    claimant = forms.CharField(
        required=False,
        max_length=300,
        widget=forms.TextInput(
            attrs={"id": "fc-claimant", "placeholder": "Who makes the claim, e.g. a minister"}
        ),
    )
    claim_id = forms.IntegerField(
        required=False, widget=forms.HiddenInput(attrs={"id": "fc-claim-id"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("quote") or "").strip() or data.get("start") is None:
            raise forms.ValidationError(
                "Select the passage of the article that makes the claim first."
            )
        if data.get("mode") == "attach" and data.get("claim_id") is None:
            raise forms.ValidationError("Choose the claim to attach this passage to.")
        return data
