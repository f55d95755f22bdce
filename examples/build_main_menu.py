"""Build examples/main-menu.xml with the Python builder and print it.

Bluewater Property Management's phone menu, three levels deep: the top menu, the residents'
menu, and the maintenance menu inside it. Run ``python examples/build_main_menu.py``; the
output parses to the same model as ``examples/main-menu.xml`` (a test checks it).
"""

from __future__ import annotations

from callflow import Response

LEASING = "+15035550141"
ACCOUNTING = "+15035550152"
FRONT_DESK = "+15035550100"
ON_CALL = "sip:oncall@pbx.bluewater.example.com"
ON_CALL_BACKUP = "+15035550199"


def main_menu() -> Response:
    """The whole flow, top to bottom, in the order a caller hears it."""
    r = Response()
    r.comment("Bluewater Property Management: main line, a three-level menu.")
    r.answer(tag="main-line")
    r.say("Thank you for calling Bluewater Property Management.")

    with r.gather(dtmf_length=1, timeout=8000, attempts=3, tag="top-menu") as top:
        top.say(
            "For leasing and available homes, press 1. If you are a current resident, press 2."
            " For accounting, press 3. To reach the front desk, press 0."
        )

        with top.dtmf("1") as leasing:
            leasing.say("Connecting you with a leasing consultant.")
            # Containers return the new child, leaves return self: so this chain puts
            # Say and Hangup inside the Dial's Error handler.
            leasing.dial(LEASING, timeout=25000, tag="leasing").error().say(
                "Our leasing team is with other callers. Please try again soon."
            ).hangup(tag="leasing-busy")

        with top.dtmf("2") as residents:
            residents.comment("Second level: the residents' menu.")
            with residents.gather(dtmf_length=1, timeout=8000, attempts=2, tag="residents") as res:
                res.say(
                    "For maintenance, press 1. For rent payments, press 2."
                    " For parking and amenities, press 3."
                )

                with res.dtmf("1") as maintenance:
                    maintenance.comment("Third level: emergencies go straight to on-call staff.")
                    with maintenance.gather(
                        dtmf_length=1, timeout=6000, attempts=2, tag="maintenance"
                    ) as mnt:
                        mnt.say(
                            "If water is leaking, there is no heat, or you smell gas, press 1."
                            " For all other repairs, press 2."
                        )
                        with mnt.dtmf("1") as emergency:
                            emergency.say("Connecting you to the on-call maintenance technician.")
                            dial = emergency.dial(
                                ON_CALL, ON_CALL_BACKUP, timeout=40000, tag="on-call"
                            )
                            dial.error().say(
                                "We could not reach the technician. If you smell gas,"
                                " leave the building and call 9 1 1."
                            ).hangup(tag="on-call-unreachable")
                        mnt.dtmf("2").say(
                            "Please submit routine repairs in the resident portal."
                            " Most requests are scheduled within two business days."
                        )
                        mnt.default().say("That is not a maintenance option.")
                        mnt.error().say("We did not hear a choice.")

                res.dtmf("2").say(
                    "Rent is due on the first of each month. Pay online in the resident portal,"
                    " or drop a check at the front office."
                )
                res.dtmf("3").say(
                    "Guest parking passes and amenity bookings are in the resident portal."
                )
                res.default().say("That is not a resident option.")
                res.error().say("We did not hear a choice.")

        with top.dtmf("3") as accounting:
            accounting.say("Connecting you with accounting.")
            with (
                accounting.dial(ACCOUNTING, timeout=25000, tag="accounting") as dial,
                dial.error() as closed,
            ):
                closed.say("Accounting is unavailable. Please email us from the portal.")
                closed.hangup(tag="accounting-unavailable")

        top.dtmf("0").dial(FRONT_DESK, timeout=30000, tag="front-desk").error().say(
            "The front desk is unavailable right now."
        )

        top.default().say("Sorry, that is not an option.")
        with top.error() as silent:
            silent.say("We did not hear a choice. Goodbye.")
            silent.hangup(tag="no-input")

    r.say("Thank you for calling Bluewater. Goodbye.")
    r.hangup()
    return r


if __name__ == "__main__":
    print(main_menu().to_xml(pretty=True), end="")
