from django import forms
from django.utils.translation import gettext_lazy as _


class CatalogImportForm(forms.Form):
    file = forms.FileField(label=_("目录文件"), help_text=_("支持 .xlsx 或 .csv（UTF-8 或 GB18030 编码）"))
