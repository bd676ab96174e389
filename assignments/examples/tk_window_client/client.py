import socket
import threading
import tkinter
import tkinter.scrolledtext
from tkinter import simpledialog

HOST, PORT = "127.0.0.1", 55555


class Client:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.connect((HOST, PORT))
        msg = tkinter.Tk()
        msg.withdraw()
        self.nickname = simpledialog.askstring("Nickname", "Please choose a nickname", parent=msg)
        self.gui_done = False
        self.running = True
        threading.Thread(target=self.gui_loop).start()
        threading.Thread(target=self.receive).start()

    def gui_loop(self):
        self.win = tkinter.Tk()
        self.text_area = tkinter.scrolledtext.ScrolledText(self.win)
        self.text_area.pack()
        self.input_area = tkinter.Text(self.win, height=3)
        self.input_area.pack()
        tkinter.Button(self.win, text="Send", command=self.write).pack()
        self.gui_done = True
        self.win.mainloop()

    def write(self):
        message = f"{self.nickname}: {self.input_area.get('1.0', 'end')}"
        self.sock.send(message.encode("utf-8"))
        self.input_area.delete("1.0", "end")

    def receive(self):
        while self.running:
            message = self.sock.recv(1024).decode("utf-8")
            if message == "NICK":
                self.sock.send(self.nickname.encode("utf-8"))
            elif self.gui_done:
                self.text_area.insert("end", message)


Client()
