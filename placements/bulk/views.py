"""批量导入's pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from employers.access import employer_required


@employer_required
def upload(request: HttpRequest) -> HttpResponse:
    return redirect("placements:index")
