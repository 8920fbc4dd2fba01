<?xml version="1.0" encoding="UTF-8"?>
<!-- expect: a path from the document's root -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:variable name="all" select="domain/devices/controller"/>
</xsl:stylesheet>
