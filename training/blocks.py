"""StreamField blocks of a lesson body. Every block has an icon, a template, a
description and a preview value (the admin's block picker shows the preview).

The law article block carries a verification status: a text that was not checked
against the official publication is shown to readers with a "to be verified"
badge, never as authoritative.
"""

from __future__ import annotations

from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

VERIFIED = "verified"
UNVERIFIED = "unverified"
VERIFICATION_CHOICES = [
    (VERIFIED, _("Verified against the official text")),
    (UNVERIFIED, _("Not yet verified")),
]


def _status_block(default=VERIFIED):
    return blocks.ChoiceBlock(
        choices=VERIFICATION_CHOICES,
        default=default,
        label=_("Verification status"),
        help_text=_(
            "Readers see a 'to be verified' badge on anything not verified "
            "against the official text."
        ),
    )


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Heading"), max_length=120)
    level = blocks.ChoiceBlock(
        choices=[("h2", _("Section")), ("h3", _("Sub-section"))],
        default="h2",
        label=_("Level"),
    )

    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"
        label = _("Heading")
        description = _("A section heading within the lesson.")
        preview_value = {"text": "第二章 消费者的权利", "level": "h2"}


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault(
            "features", ["bold", "italic", "ol", "ul", "link", "document-link"]
        )
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        template = "blocks/paragraph_block.html"
        label = _("Rich text")
        description = _("Paragraphs of explanation, lists and links.")
        preview_value = (
            "<p>消费者在购买、使用商品和接受服务时享有的权利，"
            "是银行网点每天都要落实的要求。</p>"
        )


class LawArticleBlock(blocks.StructBlock):
    law_name = blocks.CharBlock(
        label=_("Law or regulation"),
        max_length=120,
        help_text=_("For example 中华人民共和国消费者权益保护法"),
    )
    article = blocks.CharBlock(
        label=_("Article"), max_length=40, help_text=_("For example 第二十五条")
    )
    text = blocks.TextBlock(
        label=_("Article text (verbatim)"),
        help_text=_(
            "Copy the article exactly as published; paragraphs are kept. "
            "Explanations belong in the note."
        ),
    )
    note = blocks.TextBlock(
        required=False,
        label=_("Plain-language note"),
        help_text=_("What the article means for front-line staff."),
    )
    status = _status_block()
    source = blocks.CharBlock(
        required=False,
        max_length=255,
        label=_("Source"),
        help_text=_("Where the text was taken from."),
    )

    class Meta:
        icon = "openquote"
        template = "blocks/law_article_block.html"
        label = _("Law article")
        description = _(
            "A law article quoted verbatim, with a plain-language note and its "
            "verification status."
        )
        preview_value = {
            "law_name": "中华人民共和国消费者权益保护法",
            "article": "第八条",
            "text": "消费者享有知悉其购买、使用的商品或者接受的服务的真实情况的权利。",
            "note": "这就是常说的“知情权”：客户有权知道产品和服务的真实情况。",
            "status": VERIFIED,
            "source": "",
        }


class KeyPointsBlock(blocks.StructBlock):
    title = blocks.CharBlock(required=False, max_length=120, label=_("Title"))
    points = blocks.ListBlock(
        blocks.CharBlock(label=_("Point"), max_length=300), label=_("Points")
    )
    status = _status_block()

    class Meta:
        icon = "list-ul"
        template = "blocks/key_points_block.html"
        label = _("Key points")
        description = _("A short list of what to remember.")
        preview_value = {
            "title": "要点",
            "points": ["有诉必接", "有接必果", "有责必究"],
            "status": VERIFIED,
        }


class CaseStudyBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120, label=_("Title"))
    scenario = blocks.TextBlock(label=_("Scenario"))
    question = blocks.TextBlock(label=_("Question"))
    discussion = blocks.TextBlock(label=_("Discussion"))

    class Meta:
        icon = "doc-full"
        template = "blocks/case_study_block.html"
        label = _("Case study")
        description = _("A banking scenario, a question to think about, a discussion.")
        preview_value = {
            "title": "案例：理财产品的风险提示",
            "scenario": "客户在网点购买理财产品，客户经理只强调预期收益。",
            "question": "客户经理的做法有什么问题？",
            "discussion": "经营者应当如实说明风险，不得作引人误解的宣传。",
        }


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("tip", _("Tip")), ("warning", _("Warning"))],
        default="tip",
        label=_("Kind"),
    )
    title = blocks.CharBlock(required=False, max_length=120, label=_("Title"))
    text = blocks.TextBlock(label=_("Text"))
    status = _status_block()

    class Meta:
        icon = "warning"
        template = "blocks/callout_block.html"
        label = _("Callout")
        description = _("A highlighted tip or warning.")
        preview_value = {
            "kind": "warning",
            "title": "注意",
            "text": "不得要求客户提供本行已经掌握的材料。",
            "status": VERIFIED,
        }


IMAGE_RENDITION = "width-800"


class PrefetchingImageChooserBlock(ImageChooserBlock):
    """Loads every image of a lesson and its rendition in two queries, however
    many images the lesson has."""

    def bulk_to_python(self, values):
        values = list(values)
        objects = self.model_class.objects.prefetch_renditions(IMAGE_RENDITION).in_bulk(
            [v for v in values if v is not None]
        )
        return [objects.get(v) for v in values]


class LessonImageBlock(blocks.StructBlock):
    image = PrefetchingImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        required=False, max_length=255, label=_("Alternative text")
    )
    caption = blocks.CharBlock(required=False, max_length=255, label=_("Caption"))

    class Meta:
        icon = "image"
        template = "blocks/image_block.html"
        label = _("Image")
        description = _("A picture with a caption.")
        preview_value = {"image": None, "alt_text": "", "caption": "图示"}


class LessonDocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(required=False, max_length=255, label=_("Link text"))

    class Meta:
        icon = "doc-full-inverse"
        template = "blocks/document_block.html"
        label = _("Document (PDF)")
        description = _("A downloadable document, such as the official text as PDF.")
        preview_value = {"document": None, "title": "条文全文（PDF）"}


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("Video address"))
    caption = blocks.CharBlock(required=False, max_length=255, label=_("Caption"))

    class Meta:
        icon = "media"
        template = "blocks/video_block.html"
        label = _("Video")
        description = _("An embedded video from a supported video site.")
        preview_value = {"video": None, "caption": "视频讲解"}


class LessonStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    law_article = LawArticleBlock()
    key_points = KeyPointsBlock()
    case_study = CaseStudyBlock()
    callout = CalloutBlock()
    image = LessonImageBlock()
    document = LessonDocumentBlock()
    video = VideoBlock()


def stream_plain_text(stream) -> str:
    """The readable text of a lesson body, for search (one line per text part)."""
    parts: list[str] = []

    def walk(value):
        if value is None:
            return
        if isinstance(value, str):
            parts.append(value)
        elif hasattr(value, "source"):  # RichText
            parts.append(strip_tags(value.source))
        elif isinstance(value, dict):  # StructValue
            for key, item in value.items():
                if key not in {"status", "level", "kind", "source"}:
                    walk(item)
        elif isinstance(value, list | tuple) or hasattr(value, "__iter__"):
            for item in value:
                walk(getattr(item, "value", item))

    for child in stream:
        walk(child.value)
    return "\n".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
