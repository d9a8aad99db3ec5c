from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

ERROR_FILE_TOO_LARGE = _(
    "The file is larger than the allowed %(limit)s MB; it was not read."
)
ERROR_FILE_TYPE = _("Choose a file ending in %(extensions)s.")


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, extensions=("csv", "xlsx"), too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.extensions = extensions
        self.too_large = too_large
        help_text = _(
            "CSV (UTF-8 or GB18030/GBK) or Excel .xlsx, at most %(limit)s MB. The "
            "first row holds the column names, in English or Chinese."
        ) % {"limit": settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)}
        others = [e for e in extensions if e not in ("csv", "xlsx")]
        if others:
            help_text += " " + _("Also accepted: %(formats)s.") % {
                "formats": "、".join(f".{e}" for e in others)
            }
        self.fields["file"].help_text = help_text
        self.fields["file"].widget.attrs["accept"] = ",".join(
            f".{ext}" for ext in extensions
        )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(self._too_large_message())
        extension = (
            uploaded.name.rsplit(".", 1)[-1].lower() if "." in uploaded.name else ""
        )
        if extension not in self.extensions:
            raise forms.ValidationError(
                ERROR_FILE_TYPE
                % {"extensions": "、".join(f".{e}" for e in self.extensions)}
            )
        return uploaded

    def clean(self):
        if self.too_large:
            raise forms.ValidationError(self._too_large_message())
        return super().clean()

    def _too_large_message(self):
        return ERROR_FILE_TOO_LARGE % {
            "limit": settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)
        }
