"""Reads an iCalendar object on standard input with the `icalendar` package (strictly: a
property it cannot parse is an error) and prints what the Swift tests check, as JSON."""
import json
import sys

import icalendar


def main():
    data = sys.stdin.buffer.read()
    calendar = icalendar.Calendar.from_ical(data)
    events = []
    for event in calendar.walk("VEVENT"):
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND")
        attendees = event.get("ATTENDEE", [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        organizer = event.get("ORGANIZER")
        events.append({
            "uid": str(event.get("UID")),
            "sequence": int(event.get("SEQUENCE", 0)),
            "summary": str(event.get("SUMMARY")),
            "description": str(event.get("DESCRIPTION", "")),
            "location": str(event.get("LOCATION", "")),
            "status": str(event.get("STATUS", "")),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "allDay": not hasattr(start, "hour"),
            "organizer": str(organizer) if organizer is not None else None,
            "organizerName": str(organizer.params.get("CN")) if organizer is not None and "CN" in organizer.params else None,
            "attendees": [
                {"address": str(a), "name": a.params.get("CN"), "partstat": a.params.get("PARTSTAT"), "role": a.params.get("ROLE"),
                 "rsvp": a.params.get("RSVP")}
                for a in attendees
            ],
        })
    errors = [str(e) for component in calendar.walk() for e in getattr(component, "errors", [])]
    json.dump({"method": str(calendar.get("METHOD", "")), "version": str(calendar.get("VERSION")), "prodid": str(calendar.get("PRODID")),
               "events": events, "errors": errors}, sys.stdout)


if __name__ == "__main__":
    main()
