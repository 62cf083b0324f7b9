"""Forms of a unit's clerk accounts (shape only; ``employers.accounts`` checks the rules)."""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm

from employers import identifiers

_USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{4,30}$")


class ClerkForm(forms.Form):
    username = forms.CharField(label="登录用户名", max_length=30, help_text="4–30 位字母、数字或 _ . @ + -。")
    contact_name = forms.CharField(label="经办人姓名", max_length=50)
    contact_phone = forms.CharField(label="经办人电话", max_length=20, required=False)
    email = forms.EmailField(
        label="电子邮箱",
        required=False,
        help_text="用于找回密码：系统将发送验证邮件，验证后方可使用。",
        error_messages={"invalid": "请输入正确的电子邮箱地址，如 name@example.cn。"},
    )

    def clean_username(self):
        value = self.cleaned_data["username"].strip()
        if not _USERNAME.match(value):
            raise forms.ValidationError("用户名应为 4–30 位字母、数字或 _ . @ + -。")
        return value

    def clean_contact_phone(self):
        value = self.cleaned_data["contact_phone"].strip()
        if value:
            try:
                return identifiers.clean_phone(value)
            except ValueError as error:
                raise forms.ValidationError(str(error)) from None
        return value


class EmailForm(forms.Form):
    email = forms.EmailField(
        label="电子邮箱",
        required=False,
        help_text="验证后可用于找回密码。修改后需重新验证。",
        error_messages={"invalid": "请输入正确的电子邮箱地址，如 name@example.cn。"},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, required=False)


class UnitPasswordResetForm(PasswordResetForm):
    """Mails only active clerks whose address is verified (``EmployerAccount.email_verified``); Django's form
    answers the same whether or not anyone matched."""

    def get_users(self, email):
        return get_user_model()._default_manager.filter(
            email__iexact=email, is_active=True, employer_account__email_verified=True
        )
