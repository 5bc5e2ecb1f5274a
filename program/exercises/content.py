"""The guided exercises: their words and timings, as data (original wording).

Each exercise is a page (program.exercises.views) that reads as written instructions
without JavaScript; static/js/app.js adds the timer. Timings are the app's choices
within what the named sources describe; docs/sources.md lists the sources."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

BREATHING = "breathing"
MUSCLES = "muscles"
WORRY = "worry"
IMAGERY = "imagery"
BODY_SCAN = "body-scan"

# Paced breathing: the patient sets the rhythm within these bounds (seconds per phase,
# minutes per session). Bounds are comfort limits chosen by the app, not clinical rules.
BREATH_IN = (2, 8)
BREATH_OUT = (2, 10)
BREATH_MINUTES = (1, 20)
BREATH_DEFAULTS = {"inhale": 4, "exhale": 6, "minutes": 5}


@dataclass(frozen=True)
class Step:
    key: str
    title: str | Promise
    text: str | Promise
    seconds: int

    @property
    def minutes(self) -> int:
        return round(self.seconds / 60)


@dataclass(frozen=True)
class Exercise:
    kind: str
    title: str | Promise
    summary: str | Promise
    sources: str | Promise
    steps: tuple[Step, ...] = ()

    @property
    def seconds(self) -> int:
        return sum(step.seconds for step in self.steps)


def _muscle(key: str, title: str | Promise, tense: str | Promise) -> tuple[Step, Step]:
    """One muscle group: tense for about 7 seconds, then let go for 30 (Bernstein and
    Borkovec describe tensing for 5-7 seconds and relaxing for 30-40)."""
    return (
        Step(f"{key}-tense", title, tense, 7),
        Step(
            f"{key}-release",
            _("Let go"),
            _(
                "Release all at once. Notice how the muscles feel as they loosen and grow "
                "heavy. Breathe slowly and stay with that feeling."
            ),
            30,
        ),
    )


MUSCLE_STEPS: tuple[Step, ...] = (
    Step(
        "settle",
        _("Get comfortable"),
        _(
            "Sit or lie down somewhere you will not be disturbed. Let your eyes close if "
            "that feels right. Take a few slow breaths. You will tense each part of your "
            "body a little, hold it, then let it go. Tense firmly but never to the point of "
            "pain. If a part of your body hurts or is injured, skip it or tense it only "
            "gently."
        ),
        20,
    ),
    *_muscle(
        "right-arm",
        _("Your right hand and arm"),
        _("Make a fist with your right hand and bend your arm to tighten the upper arm. Hold."),
    ),
    *_muscle(
        "left-arm",
        _("Your left hand and arm"),
        _("Make a fist with your left hand and bend your arm to tighten the upper arm. Hold."),
    ),
    *_muscle(
        "face",
        _("Your face"),
        _("Raise your eyebrows, squeeze your eyes shut and press your lips together. Hold."),
    ),
    *_muscle(
        "neck",
        _("Your neck and throat"),
        _("Gently press your chin down towards your chest, without touching it. Hold."),
    ),
    *_muscle(
        "body",
        _("Your shoulders, chest, back and belly"),
        _("Take a breath in, pull your shoulders back and tighten your stomach muscles. Hold."),
    ),
    *_muscle(
        "right-leg",
        _("Your right leg and foot"),
        _("Tighten your right thigh and point your toes, or pull them up towards you. Hold."),
    ),
    *_muscle(
        "left-leg",
        _("Your left leg and foot"),
        _("Tighten your left thigh and point your toes, or pull them up towards you. Hold."),
    ),
    Step(
        "rest",
        _("Rest"),
        _(
            "Let your whole body stay loose and heavy. Breathe slowly. When you are ready, "
            "open your eyes and move gently. If you are in bed and sleepy, simply let "
            "yourself drift off."
        ),
        30,
    ),
)

WORRY_STEPS: tuple[Step, ...] = (
    Step(
        "write",
        _("Write your worries down"),
        _(
            "Take a sheet of paper. For 15 minutes, write down what is on your mind: one "
            'worry per line. Next to each one, write one small next step, or "nothing I '
            'can do tonight". Nothing you write here is sent to the app.'
        ),
        15 * 60,
    ),
    Step(
        "close",
        _("Close it for today"),
        _(
            "Fold the paper and put it away. If a worry comes back tonight, remind "
            'yourself: "It is on my list; I will deal with it tomorrow."'
        ),
        30,
    ),
)

# Guided imagery: a calm place, one sense at a time (Harvey and Payne 2002 trained people
# to elaborate one engaging, pleasant scene in detail before sleep). The wording and
# timings are the app's own.
IMAGERY_STEPS: tuple[Step, ...] = (
    Step(
        "settle",
        _("Get comfortable"),
        _(
            "Sit or lie down somewhere you will not be disturbed. Let your eyes close if "
            "that feels right, or rest them on one spot. Take a few slow breaths. If "
            "picturing a place ever brings up something upsetting, open your eyes and stop: "
            "you can choose a different place, or a different exercise."
        ),
        30,
    ),
    Step(
        "choose",
        _("Choose a calm place"),
        _(
            "Think of a place where you feel safe and at ease. It can be real or imagined: "
            "a beach, a garden, a quiet room, a path you like to walk. Choose somewhere that "
            "has nothing to do with your worries. Picture yourself arriving there."
        ),
        30,
    ),
    Step(
        "see",
        _("What you see"),
        _(
            "Look around slowly. Notice the colours, and how the light falls. Notice "
            "something close to you, then something further away. Take in one small detail "
            "at a time."
        ),
        60,
    ),
    Step(
        "hear",
        _("What you hear"),
        _(
            "Listen. There may be soft sounds: wind, water, leaves, birds, or simply quiet. "
            "Notice the sounds near you and those further off."
        ),
        45,
    ),
    Step(
        "feel",
        _("What you feel"),
        _(
            "Notice the air on your skin: warm or cool, still or a light breeze. Feel what "
            "is under your feet or what you are resting on: sand, grass, a soft chair."
        ),
        45,
    ),
    Step(
        "smell",
        _("What you smell and taste"),
        _(
            "Breathe in gently. What does the air smell of here: the sea, cut grass, "
            "flowers, fresh bread? Is there a taste in the air, or of something you like to "
            "drink in this place?"
        ),
        30,
    ),
    Step(
        "wander",
        _("Move through your place"),
        _(
            "Move slowly through the scene, noticing small details as you go. If your mind "
            "drifts to a worry, that is normal. Notice it, let it pass, and gently bring "
            "your attention back to one detail of your place."
        ),
        60,
    ),
    Step(
        "rest",
        _("Rest there"),
        _(
            "Stay in your place for a while, at ease. You can come back to it whenever you "
            "like. If you are in bed and sleepy, simply let yourself drift off. If not, "
            "take a slow breath, open your eyes and move gently."
        ),
        60,
    ),
)

# A mindful body scan, feet to head (the body scan of mindfulness-based stress reduction,
# which MBTI, Ong 2017, teaches as a daytime practice). Attention only: nothing is tensed or
# changed, and sleep is not its aim. The wording and timings are the app's own.
BODY_SCAN_STEPS: tuple[Step, ...] = (
    Step(
        "settle",
        _("Get comfortable"),
        _(
            "Sit in a chair or lie on your back somewhere you will not be disturbed. Let your "
            "eyes close if that feels right, or rest them on one spot. You will move your "
            "attention slowly through your body and notice what is there, without changing "
            "anything. If paying attention to your body brings up strong fear or painful "
            "memories, open your eyes, look around the room and stop: you can choose a "
            "different exercise, and tell your therapist."
        ),
        30,
    ),
    Step(
        "breath",
        _("Your breathing"),
        _(
            "Notice your breath as it is. Feel the air coming in and going out, and your "
            "belly or chest rising and falling. There is no need to breathe in any special "
            "way."
        ),
        60,
    ),
    Step(
        "feet",
        _("Your feet and legs"),
        _(
            "Bring your attention to your feet. Notice what you feel: warmth or coolness, "
            "the touch of socks or the floor, tingling, or nothing at all. Then move slowly "
            "up through your ankles, calves, knees and thighs."
        ),
        60,
    ),
    Step(
        "middle",
        _("Your hips, belly and back"),
        _(
            "Notice your hips and where your body rests on the chair or bed. Notice your "
            "belly moving with each breath, and your back. If a part hurts, notice the "
            "feeling gently, as it is, and move on when you are ready."
        ),
        60,
    ),
    Step(
        "arms",
        _("Your chest, shoulders and arms"),
        _(
            "Notice your chest and your shoulders. Then move down your arms to your hands "
            "and fingers. Notice any weight, warmth or tension. You do not have to relax "
            "it; just notice it."
        ),
        60,
    ),
    Step(
        "head",
        _("Your neck, face and head"),
        _(
            "Notice your neck and throat, your jaw, your mouth, your eyes and your forehead, "
            "and the top of your head. When your mind wanders, as it will, notice where it "
            "went, and gently come back to the part of your body you had reached."
        ),
        60,
    ),
    Step(
        "whole",
        _("Your whole body"),
        _(
            "Now notice your whole body at once, breathing, from your feet to the top of "
            "your head. Let it be just as it is."
        ),
        60,
    ),
    Step(
        "rest",
        _("Rest"),
        _(
            "Stay with your breath for a little while. This was practice, not a test: "
            "there is no right way for it to feel. When you are ready, open your eyes and "
            "move gently. If you are in bed and sleepy, simply let yourself drift off."
        ),
        90,
    ),
)

EXERCISES: dict[str, Exercise] = {
    e.kind: e
    for e in (
        Exercise(
            BREATHING,
            _("Paced breathing"),
            _(
                "Breathe slowly in a rhythm you choose, with a guide that shows when to "
                "breathe in and out."
            ),
            _(
                "Sources: American Academy of Sleep Medicine clinical practice guideline on "
                "behavioural treatments for insomnia (Edinger et al., 2021), which suggests "
                "relaxation therapy."
            ),
        ),
        Exercise(
            MUSCLES,
            _("Progressive muscle relaxation"),
            _("Tense and relax your muscles one group at a time. About 5 minutes."),
            _(
                "Sources: progressive relaxation (Jacobson, 1938), in the shorter form with "
                "seven muscle groups described by Bernstein and Borkovec (1973); American "
                "Academy of Sleep Medicine guideline (Edinger et al., 2021)."
            ),
            MUSCLE_STEPS,
        ),
        Exercise(
            WORRY,
            _("Worry time"),
            _(
                "Give your worries 15 minutes in the early evening: write them down, then "
                "put them away."
            ),
            _(
                "Sources: scheduled worry time (Borkovec et al., 1983) and the constructive "
                "worry exercise for insomnia (Carney and Waters, 2006)."
            ),
            WORRY_STEPS,
        ),
        Exercise(
            IMAGERY,
            _("Calm place imagery"),
            _(
                "Picture a calm, safe place in detail, one sense at a time. About 6 minutes. "
                "In bed, use it only when you are sleepy."
            ),
            _(
                "Sources: imagery to occupy the mind before sleep (Harvey and Payne, 2002), a "
                "single small study of one night."
            ),
            IMAGERY_STEPS,
        ),
        Exercise(
            BODY_SCAN,
            _("Mindful body scan"),
            _(
                "Move your attention slowly through your body, from your feet to your head, "
                "and notice what is there without changing it. About 8 minutes. Best "
                "practised in the day or early evening."
            ),
            _(
                "Sources: the body scan as taught in mindfulness-based therapy for insomnia "
                "(Ong, 2017), tested with the rest of that course in one small trial (Ong "
                "et al., 2014); not a treatment on its own."
            ),
            BODY_SCAN_STEPS,
        ),
    )
}
