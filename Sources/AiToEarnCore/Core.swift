// The AiToEarn core: see the files beside this one.
