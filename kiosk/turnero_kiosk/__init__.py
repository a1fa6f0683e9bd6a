"""Turnero's kiosk app (PySide6): take a turn at the branch door, check in for an
appointment, print the ticket.

It speaks to the server only over the network (turnero_qt: REST + Socket.IO), like
any third-party client, and never imports the server package.

    i18n.py      every string, es/en, and how waits, counts and dates are worded
    printing.py  the printed slip: ESC/POS (python-escpos), Qt's QPrinter, PDF
    states.py    the vocabulary: screens, print states, settings
    flow.py      KioskFlow: the widget-free state machine (signals and slots); its steps
                 in connection.py (the server's side: branch, lines, offline),
                 walk_in.py (line, phone, priority), check_in.py (appointments) and
                 taking.py (the ticket asked for, then on screen), with request.py
                 (asking for a ticket), shown_ticket.py (the ticket on screen) and
                 phone_numbers.py (phones as typed at the branch)
    style.py     the look: colours, type, sizes, style sheets, how a card is painted
    screens/     the full-screen touch screens that show the flow, one module each
    window.py    KioskWindow: the screens in a stack, the staff exit
    config.py    the [kiosk] settings;  main.py wires it all (`turnero-kiosk`)
"""
