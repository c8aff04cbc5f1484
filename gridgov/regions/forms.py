from django import forms

MAX_UPLOAD = 20 * 1024 * 1024


class TerritoryImportForm(forms.Form):
    file = forms.FileField(label="区划文件（GeoJSON 或 Excel .xlsx）")
    commit = forms.BooleanField(label="校验通过后立即写入（不勾选则只校验）", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".geojson", ".json", ".xlsx")):
            raise forms.ValidationError("只接受 .geojson、.json 或 .xlsx 文件")
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("文件超过 20 MB")
        return upload
