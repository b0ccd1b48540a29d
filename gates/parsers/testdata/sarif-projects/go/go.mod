module example.com/underwriting

go 1.22
