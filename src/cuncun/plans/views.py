from django.shortcuts import render

from cuncun.plans.queries import plan_page


def plan_detail(request, code: str | None = None):
    plan = plan_page(code)
    return render(request, "plans/plan.html", {"plan": plan})
