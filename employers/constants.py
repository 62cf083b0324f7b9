"""Choices of the unit's basic information (domain.md §3)."""

from django.db import models


class UnitKind(models.TextChoices):
    ENTERPRISE = "企业", "企业"
    ORGAN = "机关", "机关"
    INSTITUTION = "事业单位", "事业单位"
    SOCIAL_GROUP = "社会团体", "社会团体"
    PRIVATE_NON_ENTERPRISE = "民办非企业单位", "民办非企业单位"
    OTHER = "其他", "其他"


class EconomicKind(models.TextChoices):
    STATE_OWNED = "国有全资", "国有全资"
    COLLECTIVE = "集体全资", "集体全资"
    JOINT_STOCK_COOP = "股份合作", "股份合作"
    STATE_JOINT = "国有联营", "国有联营"
    LIMITED = "有限责任(公司)", "有限责任(公司)"
    JOINT_STOCK = "股份有限(公司)", "股份有限(公司)"
    PRIVATE = "私有", "私有"
    SOLE = "个人独资", "个人独资"
    PARTNERSHIP = "合伙", "合伙"
    HK_MACAO_TAIWAN = "港澳台投资", "港澳台投资"
    FOREIGN = "外商投资", "外商投资"
    OTHER = "其他", "其他"


class Industry(models.TextChoices):
    """GB/T 4754-2017 门类."""

    A = "A", "A 农、林、牧、渔业"
    B = "B", "B 采矿业"
    C = "C", "C 制造业"
    D = "D", "D 电力、热力、燃气及水生产和供应业"
    E = "E", "E 建筑业"
    F = "F", "F 批发和零售业"
    G = "G", "G 交通运输、仓储和邮政业"
    H = "H", "H 住宿和餐饮业"
    I = "I", "I 信息传输、软件和信息技术服务业"  # noqa: E741
    J = "J", "J 金融业"
    K = "K", "K 房地产业"
    L = "L", "L 租赁和商务服务业"
    M = "M", "M 科学研究和技术服务业"
    N = "N", "N 水利、环境和公共设施管理业"
    O = "O", "O 居民服务、修理和其他服务业"  # noqa: E741
    P = "P", "P 教育"
    Q = "Q", "Q 卫生和社会工作"
    R = "R", "R 文化、体育和娱乐业"
    S = "S", "S 公共管理、社会保障和社会组织"
    T = "T", "T 国际组织"


class LegalRepIdType(models.TextChoices):
    RESIDENT_ID = "resident_id", "居民身份证"
    PASSPORT = "passport", "护照"
    HK_MACAO = "hk_macao", "港澳居民来往内地通行证"
    TAIWAN = "taiwan", "台湾居民来往大陆通行证"
    FOREIGN_PERMIT = "foreign_permit", "外国人永久居留身份证"
    OTHER = "other", "其他证件"


class Relation(models.TextChoices):
    PARENT_SUBSIDIARY = "parent_subsidiary", "上下级"
    DISPATCH_FIRM = "dispatch_firm", "劳务派遣单位"
    OTHER = "other", "其他关联单位"
