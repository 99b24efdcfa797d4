"""What analysts read besides the command output: the HTML report, the chart, Datasette."""
