from django.db import models


class Gender(models.TextChoices):
    MALE = "男", "男"
    FEMALE = "女", "女"


class CertType(models.TextChoices):
    DISABILITY = "残疾人证", "残疾人证"
    MILITARY = "残疾军人证", "残疾军人证"


class CertStatus(models.TextChoices):
    VALID = "有效", "有效"
    CANCELLED = "注销", "注销"


class DisabilityCategory(models.IntegerChoices):
    VISION = 1, "视力"
    HEARING = 2, "听力"
    SPEECH = 3, "言语"
    PHYSICAL = 4, "肢体"
    INTELLECTUAL = 5, "智力"
    MENTAL = 6, "精神"
    MULTIPLE = 7, "多重"
