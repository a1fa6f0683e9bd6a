"""turnero_display: the lobby display app (PySide6). Shows who is called where and
the waits, says each call aloud, and keeps up with the server over Socket.IO
through turnero_qt. It never imports the server package.

model.DisplayModel   widget-free state and signals (tested alone); its lines as a
                     Qt list model (model.LineList over Line dataclasses)
announcer.Announcer  chime + text-to-speech queue, one announcement after the other
words                numbers in words (es/en) and the spoken sentence
window.DisplayWindow the screen; it only shows the model
lines_view           the lines panel: a QListView and the delegate that paints a line
parts, style         panels and rows of the last calls; colours and weights
main                 `turnero-display`: wiring only (build)
"""
