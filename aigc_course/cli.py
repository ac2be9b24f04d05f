def main(argv=None):  # replaced below
    return 0
