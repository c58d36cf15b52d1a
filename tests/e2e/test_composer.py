"""The everyday composer (issue 22): attaching pictures by the file input
and by drag-and-drop, and without JavaScript."""

import base64
import io

import pytest
from PIL import Image

from tests.e2e.support import topic
from uploads.models import Upload

pytestmark = pytest.mark.e2e

COMPOSER = "form[data-composer-form] textarea[name=body]"
HAS_PICTURE = (
    "() => /!\\[[^\\]]*\\]\\(http[^)]*\\/uploads\\/\\d+\\//"
    f".test(document.querySelector('{COMPOSER}').value)"
)
DROP_FILE = """
([name, type, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type }));
  const target = document.querySelector('form[data-composer-form] textarea[name=body]');
  target.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  target.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
}
"""
IMAGE_SHOWN = (
    "(article) => { const img = article.querySelector('.post-body img');"
    " return img && img.complete && img.naturalWidth > 0; }"
)


def _jpeg(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), colour).save(out, format="JPEG")
    return out.getvalue()


def _post_and_see_picture(page, text):
    composer = page.locator(COMPOSER)
    composer.press("Control+End")
    composer.type(text)
    page.get_by_role("button", name="Post reply").click()
    reply = page.locator("article.post", has_text=text)
    reply.wait_for()
    reply.locator(".post-body img").wait_for()
    page.wait_for_function(IMAGE_SHOWN, arg=reply.element_handle())
    return reply


def test_attach_a_picture_with_the_file_input(demo, new_page, tmp_path):
    question = topic("Light roasts on the Duo")
    photo = tmp_path / "my puck.jpg"
    photo.write_bytes(_jpeg("saddlebrown"))
    page = new_page(demo["kwame"])
    page.goto(question.get_absolute_url())

    page.get_by_label("Attach a picture or file").set_input_files(str(photo))

    page.wait_for_function(HAS_PICTURE)
    assert "![my puck](" in page.locator(COMPOSER).input_value()
    assert "Attached my puck.jpg" in page.locator("[data-upload-status]").inner_text()
    _post_and_see_picture(page, "Here is the puck after the shot.")
    upload = Upload.objects.get(uploader=demo["kwame"])
    assert upload.posts.count() == 1


def test_attach_a_picture_by_dropping_it_on_the_text(demo, new_page):
    question = topic("Light roasts on the Duo")
    page = new_page(demo["kwame"])
    page.goto(question.get_absolute_url())

    page.evaluate(
        DROP_FILE,
        ["basket.jpg", "image/jpeg", base64.b64encode(_jpeg("olive")).decode()],
    )

    page.wait_for_function(HAS_PICTURE)
    _post_and_see_picture(page, "The basket, dropped straight in.")


def test_a_refused_file_says_why(demo, new_page):
    question = topic("Light roasts on the Duo")
    page = new_page(demo["kwame"])
    page.goto(question.get_absolute_url())

    page.evaluate(
        DROP_FILE,
        ["logo.svg", "image/svg+xml", base64.b64encode(b"<svg></svg>").decode()],
    )

    status = page.locator("[data-upload-status]")
    status.filter(has_text="SVG, HTML").wait_for()
    assert page.locator(COMPOSER).input_value() == ""


def test_without_javascript_the_upload_opens_the_markdown_in_a_new_tab(
    demo, new_page, tmp_path
):
    question = topic("Light roasts on the Duo")
    photo = tmp_path / "grind.png"
    Image.new("RGB", (30, 30), "gray").save(photo)
    page = new_page(demo["kwame"], javascript=False)
    page.goto(question.get_absolute_url())
    page.locator(COMPOSER).fill("Half-written reply that must survive.")

    page.get_by_label("Attach a picture or file").set_input_files(str(photo))
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Upload").click()

    result = opened.value
    result.wait_for_load_state()
    markdown = result.get_by_label("Markdown for your post").input_value()
    assert markdown.startswith("![grind](")
    assert (
        page.locator(COMPOSER).input_value() == "Half-written reply that must survive."
    )


# --- Drafts ----------------------------------------------------------------------------


def test_a_draft_comes_back_after_closing_the_page(demo, new_page):
    question = topic("Light roasts on the Duo")
    page = new_page(demo["kwame"])
    page.goto(f"/t/{question.pk}/reply/")
    composer = page.get_by_label("Your reply")

    composer.type("Try 96 °C and a 1:2.5 ratio, then")
    page.locator("[data-draft-status]").filter(has_text="Draft saved").wait_for()
    page.context.close()

    # Another browser (another device): the composer has the words back.
    laptop = new_page(demo["kwame"])
    laptop.goto(question.get_absolute_url())
    laptop.locator("[data-draft-status]").filter(has_text="Draft restored").wait_for()
    assert laptop.get_by_label("Your reply").input_value() == (
        "Try 96 °C and a 1:2.5 ratio, then"
    )
    laptop.get_by_label("Your reply").press("End")
    laptop.get_by_label("Your reply").type(" taste.")
    laptop.get_by_role("button", name="Post reply").click()
    laptop.locator("article.post", has_text="then taste.").wait_for()

    # Posted: the draft is gone from the drafts page.
    laptop.goto("/drafts/")
    assert "No drafts." in laptop.locator("main").inner_text()


def test_leaving_the_page_right_after_typing_keeps_the_draft(demo, new_page):
    question = topic("Light roasts on the Duo")
    page = new_page(demo["kwame"])
    page.goto(f"/t/{question.pk}/reply/")
    page.get_by_label("Your reply").type("Leaving at once")

    page.goto("/drafts/")

    # The beacon may land just after the next page: ask until it has.
    page.wait_for_function(
        """(key) => fetch('/drafts/load/?key=' + key).then((r) => r.status === 200)""",
        arg=f"reply:{question.pk}",
        polling=100,
    )
    page.reload()
    assert "Leaving at once" in page.locator("main").inner_text()


# --- Mentions ---------------------------------------------------------------------------


def test_choose_a_mention_with_the_keyboard(demo, new_page):
    question = topic("Light roasts on the Duo")
    page = new_page(demo["kwame"])
    page.goto(f"/t/{question.pk}/reply/")
    composer = page.get_by_role("combobox", name="Your reply")

    composer.type("Ask @l")
    listbox = page.get_by_role("listbox", name="People and groups to mention")
    listbox.wait_for()
    options = listbox.get_by_role("option")
    names = options.all_inner_texts()
    assert any("@latte_lucia" in name for name in names)
    assert any("@lena_b" in name for name in names)
    assert composer.get_attribute("aria-expanded") == "true"
    # Down to the second suggestion, Enter to choose it.
    second = options.nth(1)
    chosen = second.inner_text().split("@")[-1].strip()
    composer.press("ArrowDown")
    assert second.get_attribute("aria-selected") == "true"
    assert composer.get_attribute("aria-activedescendant") == second.get_attribute("id")
    composer.press("Enter")

    assert composer.input_value() == f"Ask @{chosen} "
    assert listbox.is_hidden()
    assert composer.get_attribute("aria-expanded") == "false"
    # Escape closes the list without choosing.
    composer.type("and @mi")
    listbox.wait_for()
    composer.press("Escape")
    assert listbox.is_hidden()
    assert composer.input_value() == f"Ask @{chosen} and @mi"


# --- Emoji --------------------------------------------------------------------------------


def test_the_emoji_picker_works_with_the_keyboard_and_the_post_keeps_its_name(
    demo, new_page
):
    question = topic("Light roasts on the Duo")
    page = new_page(demo["kwame"])
    page.goto(f"/t/{question.pk}/reply/")
    composer = page.get_by_role("combobox", name="Your reply")
    composer.type("Thanks")

    summary = page.locator("[data-emoji-picker] summary")
    summary.focus()
    page.keyboard.press("Enter")
    coffee = page.get_by_role("button", name="coffee")
    coffee.focus()
    page.keyboard.press("Enter")

    assert composer.input_value() == "Thanks :coffee: "
    assert page.evaluate("document.activeElement.name") == "body"
    page.get_by_role("button", name="Post reply").click()
    emoji = page.locator("article.post", has_text="Thanks").get_by_role(
        "img", name="coffee"
    )
    emoji.wait_for()
    assert emoji.inner_text() == "☕"
