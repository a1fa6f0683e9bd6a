"""Every string the kiosk shows or prints, in Spanish and English, in one place.

The kiosk is its own app (it never imports the server), so it keeps a small
dict-based catalogue instead of gettext: `text("welcome.title", "en")`.
Formatting of waits, counts and dates lives here too, so the screens and the
printed slip always say the same thing the same way.
"""
from __future__ import annotations

from datetime import datetime

from turnero_qt import wording

LANGS = ("es", "en")
NBSP = "\u00a0"
DEFAULT_LANG = "es"

STRINGS: dict[str, dict[str, str]] = {
    # welcome
    "welcome.title": {"es": "Bienvenido", "en": "Welcome"},
    "welcome.subtitle": {"es": "Toque el servicio que necesita para tomar su turno",
                         "en": "Tap the service you need to take your turn"},
    "welcome.no_services": {"es": "No hay servicios disponibles en este momento. Por favor pida ayuda al personal.",
                            "en": "No services are available right now. Please ask a member of staff."},
    "welcome.appointment": {"es": "Tengo una cita", "en": "I have an appointment"},
    "welcome.appointment.hint": {"es": "Registre su llegada", "en": "Check in for it"},
    "welcome.appointment_or_turn": {"es": "Tengo cita o turno", "en": "Appointment or turn"},
    "welcome.language": {"es": "English", "en": "Español"},
    "welcome.language.name": {"es": "Cambiar el idioma a inglés", "en": "Switch the language to Spanish"},
    "welcome.how": {"es": "Así de fácil", "en": "How it works"},
    "welcome.step1": {"es": "Elija el servicio", "en": "Choose the service"},
    "welcome.step2": {"es": "Reciba su turno con código QR", "en": "Get your ticket with a QR code"},
    "welcome.step3": {"es": "Espere a que lo llamen", "en": "Wait to be called"},
    "step.for": {"es": "Turno para {service}", "en": "Turn for {service}"},
    "service.in_line.0": {"es": "Nadie en fila", "en": "Nobody in line"},
    "service.in_line.1": {"es": "1 persona en fila", "en": "1 person in line"},
    "service.in_line.n": {"es": "{n} personas en fila", "en": "{n} people in line"},
    "service.button.name": {"es": "Tomar turno para {service}. {in_line}. {wait}.",
                            "en": "Take a turn for {service}. {in_line}. {wait}."},

    # waits
    "wait.label": {"es": "Espera estimada", "en": "Estimated wait"},
    "wait.none": {"es": "Sin espera", "en": "No wait"},
    "wait.no_one_serving": {"es": "Nadie atendiendo ahora", "en": "No one serving now"},
    "wait.upto": {"es": "hasta {high}", "en": "up to {high}"},
    "wait.range": {"es": "{low} – {high}", "en": "{low} – {high}"},
    "wait.about_upto": {"es": "aprox. {about} (hasta {high})", "en": "about {about} (up to {high})"},
    "wait.about_range": {"es": "aprox. {about} ({low} – {high})", "en": "about {about} ({low} – {high})"},
    "wait.minutes": {"es": "{n} min", "en": "{n} min"},
    "wait.hours": {"es": "{h} h", "en": "{h} h"},
    "wait.hours_minutes": {"es": "{h} h {m} min", "en": "{h} h {m} min"},

    # phone step
    "phone.title": {"es": "¿Quiere recibir avisos por SMS o WhatsApp?",
                    "en": "Get SMS or WhatsApp updates?"},
    "phone.subtitle": {"es": "Le avisaremos cuando se acerque su turno. Es opcional.",
                       "en": "We will let you know when your turn is near. It is optional."},
    "phone.field": {"es": "Número de teléfono", "en": "Phone number"},
    "phone.placeholder": {"es": "Su número a 10 dígitos", "en": "Your phone number"},
    "phone.continue": {"es": "Continuar", "en": "Continue"},
    "phone.by_sms": {"es": "SMS", "en": "SMS"},
    "phone.by_sms.name": {"es": "Avisos por SMS", "en": "Alerts by SMS"},
    "phone.by_whatsapp": {"es": "WhatsApp", "en": "WhatsApp"},
    "phone.by_whatsapp.name": {"es": "Avisos por WhatsApp", "en": "Alerts by WhatsApp"},
    "phone.skip": {"es": "Sin avisos", "en": "No thanks"},
    "phone.invalid": {"es": "Ese número no parece válido. Revíselo, por favor.",
                      "en": "That number does not look right. Please check it."},
    "keypad.delete": {"es": "Borrar", "en": "Delete"},
    "keypad.delete.name": {"es": "Borrar el último dígito", "en": "Delete the last digit"},
    "keypad.clear": {"es": "Limpiar", "en": "Clear"},
    "keypad.clear.name": {"es": "Borrar todo el número", "en": "Clear the whole number"},
    "keypad.digit.name": {"es": "Dígito {d}", "en": "Digit {d}"},

    # priority step
    "priority.title": {"es": "¿Necesita atención preferente?", "en": "Do you need priority service?"},
    "priority.subtitle": {"es": "Las personas que la necesitan pasan antes.",
                          "en": "Those who need it are served sooner."},
    "priority.yes": {"es": "Sí, atención preferente", "en": "Yes, priority service"},
    "priority.yes.hint": {"es": "Personas mayores, embarazadas o con discapacidad",
                          "en": "Older adults, pregnant women, people with a disability"},
    "priority.no": {"es": "No, turno normal", "en": "No, a regular turn"},
    "priority.no.hint": {"es": "Espere en la fila general", "en": "Wait in the general line"},
    "priority.badge": {"es": "Preferente", "en": "Priority"},

    # taking the ticket
    "taking.title": {"es": "Un momento…", "en": "One moment…"},
    "taking.subtitle": {"es": "Estamos generando su turno", "en": "We are issuing your ticket"},

    # ticket screen and slip
    "ticket.your_turn": {"es": "Su turno", "en": "Your turn"},
    "ticket.ahead.0": {"es": "Usted es el siguiente", "en": "You are next"},
    "ticket.ahead.1": {"es": "1 persona antes que usted", "en": "1 person ahead of you"},
    "ticket.ahead.n": {"es": "{n} personas antes que usted", "en": "{n} people ahead of you"},
    "ticket.called.title": {"es": "¡Es su turno!", "en": "It's your turn!"},
    "ticket.called.go": {"es": "Pase a {counter}", "en": "Please go to {counter}"},
    "ticket.serving.title": {"es": "Su turno", "en": "Your turn"},
    "ticket.serving.go": {"es": "Le atienden en {counter}", "en": "Being served at {counter}"},
    "ticket.cancelled": {"es": "Este turno fue cancelado", "en": "This turn was cancelled"},
    "ticket.ended": {"es": "Este turno ya no está en espera", "en": "This turn is no longer waiting"},
    "ticket.follow": {"es": "Siga su turno en su teléfono", "en": "Follow your turn on your phone"},
    "ticket.follow.hint": {"es": "Escanee el código QR con la cámara", "en": "Scan the QR code with your camera"},
    "ticket.qr.name": {"es": "Código QR para seguir el turno {code} en su teléfono",
                       "en": "QR code to follow turn {code} on your phone"},
    "ticket.sms": {"es": "Le avisaremos al {phone}", "en": "We will text you at {phone}"},
    "ticket.printing": {"es": "Imprimiendo su ticket…", "en": "Printing your ticket…"},
    "ticket.printed": {"es": "Tome su ticket impreso", "en": "Please take your printed ticket"},
    "ticket.not_printed": {"es": "No se pudo imprimir: por favor tome una foto del código QR",
                           "en": "Could not print: please take a photo of the QR code"},
    "ticket.no_printer": {"es": "Tome una foto del código QR para seguir su turno",
                          "en": "Take a photo of the QR code to follow your turn"},
    "ticket.done": {"es": "Listo", "en": "Done"},
    "ticket.done.name": {"es": "Listo, volver al inicio", "en": "Done, back to the start"},
    "ticket.back_in": {"es": "Volviendo al inicio en {n} s", "en": "Back to the start in {n} s"},
    "ticket.issued": {"es": "Emitido", "en": "Issued"},

    # appointments
    "checkin.title": {"es": "Registre su llegada a la cita", "en": "Check in for your appointment"},
    "checkin.subtitle": {"es": "Escriba el código de su cita o su número de teléfono",
                         "en": "Type your appointment code or your phone number"},
    "checkin.field": {"es": "Código de cita o teléfono", "en": "Appointment code or phone"},
    "checkin_remote.title": {"es": "Registre su llegada", "en": "Check in"},
    "checkin_remote.subtitle": {"es": "Escriba el código de su cita, o el teléfono con el que tomó su turno",
                                "en": "Type your appointment code, or the phone you took your turn with"},
    "checkin_scan.title": {"es": "Registre su llegada", "en": "Check in"},
    "checkin_scan.subtitle": {"es": "Acerque al lector el código QR de su cita, o escriba su código o su teléfono",
                              "en": "Hold your appointment's QR code to the scanner, or type its code or your phone"},
    "checkin.unreadable": {"es": "No pudimos leer ese código. Escriba el código de su cita, por favor.",
                           "en": "We could not read that code. Please type your appointment code."},
    "checkin.submit": {"es": "Registrar llegada", "en": "Check in"},
    "checkin.not_found": {"es": "No encontramos una cita con ese dato.",
                          "en": "We could not find an appointment with that."},

    # errors and states
    "error.generic": {"es": "Algo salió mal. Inténtelo de nuevo o pida ayuda al personal.",
                      "en": "Something went wrong. Try again or ask a member of staff."},
    "error.busy": {"es": "El servidor no respondió a tiempo. Inténtelo de nuevo.",
                   "en": "The server did not answer in time. Please try again."},
    "error.retry": {"es": "Intentar de nuevo", "en": "Try again"},
    "common.back": {"es": "Volver", "en": "Back"},
    "common.back.name": {"es": "Volver al paso anterior", "en": "Back to the previous step"},
    "common.cancel": {"es": "Cancelar", "en": "Cancel"},
    "common.cancel.name": {"es": "Cancelar y volver al inicio", "en": "Cancel and go back to the start"},
    "offline.title": {"es": "Fuera de servicio", "en": "Out of service"},
    "offline.subtitle": {"es": "Por favor pida ayuda al personal de la sucursal.",
                         "en": "Please ask a member of staff for help."},
    "offline.retrying": {"es": "Reconectando automáticamente…", "en": "Reconnecting automatically…"},
    "starting.title": {"es": "Iniciando…", "en": "Starting…"},
    "priority.toggle": {"es": "Atención preferente", "en": "Priority service"},
    "priority.toggle.name": {"es": "Atención preferente: personas mayores, embarazadas o con discapacidad",
                             "en": "Priority service: older people, pregnant women or people with a disability"},
    "priority.class.hint": {"es": "Tiene atención preferente", "en": "You are served first"},
    "closed.title": {"es": "Sucursal cerrada", "en": "Branch closed"},
    "closed.opens": {"es": "Puede tomar un turno {when}.", "en": "You can take a turn {when}."},
    "closed.no_hours": {"es": "Ahora no se dan turnos. Por favor pida ayuda al personal.",
                        "en": "No turns are given now. Please ask a member of staff."},
    "when.today": {"es": "hoy a las {time}", "en": "today at {time}"},
    "when.tomorrow": {"es": "mañana a las {time}", "en": "tomorrow at {time}"},
    "when.day": {"es": "el {day} a las {time}", "en": "on {day} at {time}"},
    "service.paused": {"es": "No da turnos nuevos ahora", "en": "Not taking new turns now"},

    # admin exit
    "admin.title": {"es": "Salida del personal", "en": "Staff exit"},
    "admin.subtitle": {"es": "Escriba el PIN para cerrar el quiosco", "en": "Type the PIN to close the kiosk"},
    "admin.field": {"es": "PIN", "en": "PIN"},
    "admin.exit": {"es": "Cerrar quiosco", "en": "Close kiosk"},
    "admin.wrong": {"es": "PIN incorrecto", "en": "Wrong PIN"},
    "admin.corner.name": {"es": "Salida del personal (mantener presionado)",
                          "en": "Staff exit (press and hold)"},
}

WEEKDAYS = {
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
MONTHS = {
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def norm_lang(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def text(key: str, lang: str | None, **params) -> str:
    """The string `key` in `lang` (Spanish when unknown), with `{params}` filled in."""
    entry = STRINGS[key]
    value = entry.get(norm_lang(lang)) or entry[DEFAULT_LANG]
    return value.format(**params) if params else value


def plural(key: str, n: int, lang: str | None) -> str:
    """`key.0`, `key.1` or `key.n` for a count."""
    suffix = "0" if n == 0 and f"{key}.0" in STRINGS else "1" if n == 1 else "n"
    return text(f"{key}.{suffix}", lang, n=n)


def minutes(n: int, lang: str | None) -> str:
    return wording.minutes(n, lang, text)


def wait_range(eta: dict | None, lang: str | None) -> str:
    """The server's wait range in this app's words (turnero_qt.wording)."""
    return wording.wait_range(eta, lang, text)


def wait_line(eta: dict | None, lang: str | None, keep_together: bool = False) -> str:
    """"Estimated wait: 4 – 9 min" ("" without a range). `keep_together`: the range
    never breaks across lines (no-break spaces, for the screens)."""
    wait = wait_range(eta, lang)
    if not wait:
        return ""
    return f"{text('wait.label', lang)}: {wait.replace(' ', NBSP) if keep_together else wait}"


def local_datetime(moment: datetime, lang: str | None) -> str:
    """"lun 23 nov 2026, 09:04" / "Mon 23 Nov 2026, 09:04" (already in the branch's zone)."""
    lang = norm_lang(lang)
    return (f"{WEEKDAYS[lang][moment.weekday()]} {moment.day} {MONTHS[lang][moment.month - 1]} "
            f"{moment.year}, {moment:%H:%M}")


WEEKDAY_NAMES = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def opening(moment: datetime, now: datetime, lang: str | None) -> str:
    """When a closed branch opens, both in its time zone: "hoy a las 09:00", "mañana
    a las 09:00", "el lunes 7 dic a las 09:00"."""
    lang, time = norm_lang(lang), f"{moment:%H:%M}"
    days = (moment.date() - now.date()).days
    if days <= 0:
        return text("when.today", lang, time=time)
    if days == 1:
        return text("when.tomorrow", lang, time=time)
    day = f"{WEEKDAY_NAMES[lang][moment.weekday()]} {moment.day} {MONTHS[lang][moment.month - 1]}"
    return text("when.day", lang, day=day, time=time)


def service_name(service: dict, lang: str | None) -> str:
    """A service's name in `lang`, from its `names` when the server sent them."""
    names = service.get("names") or {}
    return names.get(norm_lang(lang)) or service.get("name") or service.get("id", "")
