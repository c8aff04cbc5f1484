from django import forms

from gridgov.events.choices import Rating
from gridgov.events.services.intake import MAX_DESCRIPTION

from .selectors import public_matters


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label="手机号", max_length=20, error_messages={"required": "请输入手机号码"}, strip=True
    )


class CodeForm(forms.Form):
    code = forms.CharField(label="验证码", max_length=6, error_messages={"required": "请输入验证码"})


class ReportForm(forms.Form):
    description = forms.CharField(
        label="问题描述",
        max_length=MAX_DESCRIPTION,
        error_messages={
            "required": "请描述您看到的问题",
            "max_length": f"问题描述不能超过 {MAX_DESCRIPTION} 字",
        },
    )
    matter = forms.ChoiceField(
        label="问题类型",
        required=False,
        error_messages={"invalid_choice": "所选问题类型不接受群众直接上报，请重新选择或拨打 12345"},
    )
    address = forms.CharField(
        label="地址", max_length=200, required=False, error_messages={"max_length": "地址不能超过 200 字"}
    )
    lon = forms.FloatField(
        min_value=-180,
        max_value=180,
        error_messages={
            "required": "请确定问题位置：点“使用我的位置”或在地图上点选",
            "invalid": "位置坐标无效",
        },
    )
    lat = forms.FloatField(
        min_value=-90,
        max_value=90,
        error_messages={
            "required": "请确定问题位置：点“使用我的位置”或在地图上点选",
            "invalid": "位置坐标无效",
        },
    )
    key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.matters = list(public_matters())
        self.fields["matter"].choices = [("", "不确定，由系统判断")] + [
            (m.code, m.name) for m in self.matters
        ]

    def matter_groups(self) -> list[tuple[str, list]]:
        groups: dict[str, list] = {}
        for matter in self.matters:
            groups.setdefault(matter.category_major, []).append(matter)
        return list(groups.items())

    def errors_in_order(self) -> list[str]:
        seen, messages = set(), []
        for name in ["description", "matter", "lon", "lat", "address", "key", "__all__"]:
            for message in self.errors.get(name, []):
                if message not in seen:
                    seen.add(message)
                    messages.append(message)
        return messages


class RateForm(forms.Form):
    rating = forms.ChoiceField(
        label="评价",
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择满意程度", "invalid_choice": "请选择满意程度"},
    )
    comment = forms.CharField(
        label="意见", max_length=500, required=False, error_messages={"max_length": "意见不能超过 500 字"}
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="重办理由",
        max_length=500,
        error_messages={"required": "请说明还存在什么问题", "max_length": "理由不能超过 500 字"},
    )
