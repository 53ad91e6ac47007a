import AiToEarnAdapter

AdapterMain.run()
