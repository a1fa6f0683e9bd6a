"""Turnero's kiosk app (PySide6): take a turn at the branch door, check in for an
appointment, print the ticket.

It speaks to the server only over the network (turnero_qt: REST + Socket.IO), like
any third-party client, and never imports the server package.

    i18n.py      every string, es/en, and how waits, counts and dates are worded
    printing.py  the printed slip: ESC/POS (python-escpos), Qt's QPrinter, PDF
    flow.py      KioskFlow: the widget-free state machine (signals and slots)
    screens.py   the full-screen touch UI that shows the flow
    config.py    the [kiosk] settings;  main.py wires it all (`turnero-kiosk`)
"""
