"""The report's charts draw with matplotlib's file backend: no display is needed, and
matplotlib is imported only when a chart is drawn."""


def pyplot():
    """matplotlib.pyplot on the Agg backend."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    return plt
